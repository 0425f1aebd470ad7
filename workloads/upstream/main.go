// Command arena-upstream is the delay service behind the contract's
// /upstream endpoint: GET /delay?ms=M answers {"ms":M} after M ms.
//
// One goroutine and one timer per waiting request, so thousands of
// concurrent waits cost a few KiB each and no CPU. No connection limits.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const maxMS = 60000

// msParam is the first ms in the raw query as an int in 0..60000, by the
// contract's rules: 1 to 9 ASCII digits, then range-checked.
func msParam(rawQuery string) (int, bool) {
	for rest := rawQuery; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		k, v, _ := strings.Cut(pair, "=")
		if key, err := url.QueryUnescape(k); err != nil || key != "ms" {
			continue
		}
		v, err := url.QueryUnescape(v)
		if err != nil || len(v) < 1 || len(v) > 9 {
			return 0, false
		}
		n := 0
		for i := 0; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' {
				return 0, false
			}
			n = n*10 + int(v[i]-'0')
		}
		return n, n <= maxMS
	}
	return 0, false
}

func reply(w http.ResponseWriter, status int, contentType, body string) {
	h := w.Header()
	h["Content-Type"] = []string{contentType}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	w.Write([]byte(body))
}

func handler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/delay" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		reply(w, http.StatusNotFound, "text/plain", "Not Found")
		return
	}
	ms, ok := msParam(r.URL.RawQuery)
	if !ok {
		reply(w, http.StatusBadRequest, "text/plain", "bad parameter: ms")
		return
	}
	if ms > 0 {
		t := time.NewTimer(time.Duration(ms) * time.Millisecond)
		select {
		case <-t.C:
		case <-r.Context().Done(): // the caller gave up
			t.Stop()
			return
		}
	}
	reply(w, http.StatusOK, "application/json", `{"ms":`+strconv.Itoa(ms)+`}`)
}

func newServer() *http.Server {
	return &http.Server{
		Handler:           http.HandlerFunc(handler),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       120 * time.Second, // longer than the callers' pools keep idle connections
		// No WriteTimeout: a wait may last 60 s.
		ErrorLog: log.New(os.Stderr, "arena-upstream: ", log.LstdFlags),
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9100", "host:port to listen on (port 0 picks a free port)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("arena-upstream: %v", err)
	}
	srv := newServer()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Fprintf(os.Stdout, "READY runtime=go service=upstream pid=%d address=http://%s\n",
		os.Getpid(), ln.Addr().String())
	os.Stdout.Sync()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	select {
	case err := <-done:
		log.Fatalf("arena-upstream: %v", err)
	case <-sigs:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
	}
}
