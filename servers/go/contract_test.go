package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Check values from workloads/CONTRACT.md.
func TestKernelCheckValues(t *testing.T) {
	for n, want := range map[int]uint32{0: 0, 1: 12345, 2: 3554416254, 1000: 1268113592, 1000000: 2762986176} {
		if got := kernel(n); got != want {
			t.Errorf("kernel(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestIntParam(t *testing.T) {
	cases := []struct {
		query string
		want  int
		ok    bool
	}{
		{"ms=5", 5, true},
		{"ms=0", 0, true},
		{"ms=000000005", 5, true},
		{"ms=60000", 60000, true},
		{"x=1&ms=7&ms=8", 7, true}, // first occurrence counts
		{"ms=abc&ms=5", 0, false},  // ... even when it is bad
		{"ms=%35", 5, true},        // percent-decoded like parse_qsl
		{"ms=60001", 0, false},
		{"ms=1234567890", 0, false}, // more than 9 digits
		{"ms=", 0, false},
		{"ms", 0, false},
		{"", 0, false},
		{"ms=-1", 0, false},
		{"ms=+1", 0, false},
		{"ms=1e3", 0, false},
		{"ms=%zz", 0, false},
		{"ms= 1", 0, false},
		{"ms=١", 0, false}, // non-ASCII digit
	}
	for _, c := range cases {
		got, err := intParam(c.query, "ms", maxMS)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("intParam(%q) = %d, %v; want %d ok=%v", c.query, got, err, c.want, c.ok)
		}
	}
}

type exchange struct {
	method, target string
	reqBody        []byte
	status         int
	contentType    string
	body           []byte
}

func check(t *testing.T, h http.Handler, e exchange) {
	t.Helper()
	req := httptest.NewRequest(e.method, e.target, bytes.NewReader(e.reqBody))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != e.status {
		t.Errorf("%s %s: status %d, want %d", e.method, e.target, res.StatusCode, e.status)
	}
	if ct := res.Header.Get("Content-Type"); ct != e.contentType {
		t.Errorf("%s %s: Content-Type %q, want %q", e.method, e.target, ct, e.contentType)
	}
	if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(e.body)) {
		t.Errorf("%s %s: Content-Length %q, want %d", e.method, e.target, cl, len(e.body))
	}
	if !bytes.Equal(body, e.body) {
		t.Errorf("%s %s: body %q, want %q", e.method, e.target, truncate(body), truncate(e.body))
	}
}

func truncate(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}

func delayServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ms, err := intParam(r.URL.RawQuery, "ms", maxMS)
		if r.URL.Path != "/delay" || err != nil {
			http.Error(w, "no", http.StatusBadRequest)
			return
		}
		time.Sleep(time.Duration(ms) * time.Millisecond)
		replyString(w, http.StatusOK, appJSON, `{"ms":`+strconv.Itoa(ms)+`}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestContract(t *testing.T) {
	up := delayServer(t)
	h := newArena(strings.TrimPrefix(up.URL, "http://"), []byte(`{"runtime":"go"}`))
	echo := bytes.Repeat(func() []byte {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}(), 4)
	bad := func(name string) []byte { return []byte("bad parameter: " + name) }
	for _, e := range []exchange{
		{"GET", "/hello", nil, 200, textPlain, []byte("Hello, World!")},
		{"GET", "/json", nil, 200, appJSON, []byte(`{"message":"Hello, World!"}`)},
		{"GET", "/io?ms=5", nil, 200, appJSON, []byte(`{"ms":5}`)},
		{"GET", "/io?ms=0", nil, 200, appJSON, []byte(`{"ms":0}`)},
		{"GET", "/cpu?n=1000", nil, 200, appJSON, []byte(`{"n":1000,"result":1268113592}`)},
		{"GET", "/cpu?n=1000000", nil, 200, appJSON, []byte(`{"n":1000000,"result":2762986176}`)},
		{"GET", "/cpu?n=0", nil, 200, appJSON, []byte(`{"n":0,"result":0}`)},
		{"GET", "/cpu?n=2", nil, 200, appJSON, []byte(`{"n":2,"result":3554416254}`)},
		{"GET", "/mixed?ms=5&n=1000", nil, 200, appJSON, []byte(`{"ms":5,"n":1000,"result":1268113592}`)},
		{"GET", "/mixed?n=1&ms=0", nil, 200, appJSON, []byte(`{"ms":0,"n":1,"result":12345}`)},
		{"GET", "/upstream?ms=5", nil, 200, appJSON, []byte(`{"ms":5}`)},
		{"POST", "/echo", echo, 200, octetStream, echo},
		{"POST", "/echo", nil, 200, octetStream, []byte{}},
		{"POST", "/echo", make([]byte, maxEchoBytes), 200, octetStream, make([]byte, maxEchoBytes)},
		{"POST", "/echo", make([]byte, maxEchoBytes+1), 413, textPlain, []byte("Payload Too Large")},
		{"GET", "/io?ms=abc", nil, 400, textPlain, bad("ms")},
		{"GET", "/io", nil, 400, textPlain, bad("ms")},
		{"GET", "/io?ms=-1", nil, 400, textPlain, bad("ms")},
		{"GET", "/io?ms=60001", nil, 400, textPlain, bad("ms")},
		{"GET", "/cpu?n=1e3", nil, 400, textPlain, bad("n")},
		{"GET", "/cpu?n=100000001", nil, 400, textPlain, bad("n")},
		{"GET", "/mixed?ms=1", nil, 400, textPlain, bad("n")},
		{"GET", "/mixed?n=x", nil, 400, textPlain, bad("ms")}, // listed order: ms first
		{"GET", "/upstream?ms=x", nil, 400, textPlain, bad("ms")},
		{"GET", "/nope", nil, 404, textPlain, []byte("Not Found")},
		{"GET", "/", nil, 404, textPlain, []byte("Not Found")},
		{"GET", "/hello/", nil, 404, textPlain, []byte("Not Found")},
		{"POST", "/hello", nil, 404, textPlain, []byte("Not Found")},
		{"GET", "/echo", nil, 404, textPlain, []byte("Not Found")},
		{"PUT", "/echo", nil, 404, textPlain, []byte("Not Found")},
		{"GET", "/_arena/info", nil, 200, appJSON, []byte(`{"runtime":"go"}`)},
	} {
		check(t, h, e)
	}
}

func TestUpstreamUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	h := newArena(addr, nil)
	check(t, h, exchange{"GET", "/upstream?ms=1", nil, 502, textPlain, []byte("upstream error")})
}

func TestUpstreamBadStatus(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer up.Close()
	h := newArena(strings.TrimPrefix(up.URL, "http://"), nil)
	check(t, h, exchange{"GET", "/upstream?ms=1", nil, 502, textPlain, []byte("upstream error")})
}

// The whole server over real connections: keep-alive, several requests on one.
func TestOverHTTP(t *testing.T) {
	up := delayServer(t)
	srv := httptest.NewServer(newArena(strings.TrimPrefix(up.URL, "http://"), nil))
	defer srv.Close()
	client := srv.Client()
	for i := 0; i < 3; i++ {
		res, err := client.Get(srv.URL + "/upstream?ms=1")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(body) != `{"ms":1}` {
			t.Fatalf("got %d %q", res.StatusCode, body)
		}
	}
	res, err := client.Head(srv.URL + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.ContentLength != 13 {
		t.Fatalf("HEAD /hello: %d, length %d", res.StatusCode, res.ContentLength)
	}
}
