// Command arena-go serves the workload contract with net/http: one goroutine
// per connection, GOMAXPROCS as the runtime chooses it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "host:port to listen on (port 0 picks a free port)")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("arena-go: %v", err)
	}
	pid := os.Getpid()
	info, _ := json.Marshal(struct {
		Runtime    string `json:"runtime"`
		PID        int    `json:"pid"`
		GOMAXPROCS int    `json:"gomaxprocs"`
		NumCPU     int    `json:"numcpu"`
	}{"go", pid, runtime.GOMAXPROCS(0), runtime.NumCPU()})

	srv := &http.Server{
		Handler:           newArena(upstreamAddress(), info),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       120 * time.Second,
		// No WriteTimeout: /io and /upstream may legitimately wait 60 s.
		ErrorLog: log.New(os.Stderr, "arena-go: ", log.LstdFlags),
	}

	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()

	fmt.Fprintf(os.Stdout, "READY runtime=go pid=%d address=http://%s gomaxprocs=%d numcpu=%d\n",
		pid, ln.Addr().String(), runtime.GOMAXPROCS(0), runtime.NumCPU())
	os.Stdout.Sync()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	select {
	case err := <-done:
		log.Fatalf("arena-go: %v", err)
	case <-sigs:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
	}
}
