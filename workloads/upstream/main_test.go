package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	for _, c := range []struct {
		method, target string
		status         int
		contentType    string
		body           string
	}{
		{"GET", "/delay?ms=0", 200, "application/json", `{"ms":0}`},
		{"GET", "/delay?ms=20", 200, "application/json", `{"ms":20}`},
		{"GET", "/delay?x=1&ms=3&ms=9", 200, "application/json", `{"ms":3}`},
		{"GET", "/delay?ms=60001", 400, "text/plain", "bad parameter: ms"},
		{"GET", "/delay?ms=-1", 400, "text/plain", "bad parameter: ms"},
		{"GET", "/delay?ms=1e3", 400, "text/plain", "bad parameter: ms"},
		{"GET", "/delay?ms=", 400, "text/plain", "bad parameter: ms"},
		{"GET", "/delay", 400, "text/plain", "bad parameter: ms"},
		{"POST", "/delay?ms=1", 404, "text/plain", "Not Found"},
		{"GET", "/nope", 404, "text/plain", "Not Found"},
	} {
		rec := httptest.NewRecorder()
		start := time.Now()
		handler(rec, httptest.NewRequest(c.method, c.target, nil))
		elapsed := time.Since(start)
		res := rec.Result()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != c.status || res.Header.Get("Content-Type") != c.contentType ||
			string(body) != c.body || res.ContentLength != int64(len(c.body)) {
			t.Errorf("%s %s: %d %q %q (length %d)", c.method, c.target, res.StatusCode,
				res.Header.Get("Content-Type"), body, res.ContentLength)
		}
		if c.target == "/delay?ms=20" && elapsed < 20*time.Millisecond {
			t.Errorf("ms=20 answered after %v", elapsed)
		}
	}
}

// Many concurrent waits overlap: 500 requests of 200 ms finish in far less than 500 x 200 ms.
func TestConcurrentWaits(t *testing.T) {
	srv := httptest.NewServer(newServer().Handler)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1000}}
	const n = 500
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := client.Get(srv.URL + "/delay?ms=200")
			if err != nil {
				errs <- err
				return
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if string(body) != `{"ms":200}` {
				errs <- io.ErrUnexpectedEOF
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("%d concurrent 200 ms waits took %v", n, elapsed)
	}
}
