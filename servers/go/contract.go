package main

// The workload contract (workloads/CONTRACT.md) as net/http handlers.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

const (
	maxMS           = 60000
	maxN            = 100000000
	maxEchoBytes    = 1 << 20
	defaultUpstream = "127.0.0.1:9100"

	textPlain   = "text/plain"
	appJSON     = "application/json"
	octetStream = "application/octet-stream"
)

// kernel is the contract's CPU kernel: a 32-bit LCG iterated n times from 0.
func kernel(n int) uint32 {
	var x uint32
	for i := 0; i < n; i++ {
		x = x*1103515245 + 12345
	}
	return x
}

// badParameter names the first parameter that failed the contract's rules.
type badParameter string

func (b badParameter) Error() string { return "bad parameter: " + string(b) }

// queryValue returns the first value of name in the raw query, decoded the
// way Python's parse_qsl does ('&' separates pairs, '+' is a space, a pair
// without '=' has an empty value). ok is false when name is absent.
func queryValue(rawQuery, name string) (value string, ok bool) {
	for rest := rawQuery; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil || key != name {
			continue
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return v, true // undecodable: kept raw, so it fails the digit check
		}
		return val, true
	}
	return "", false
}

// intParam is the first name in the query as an int in 0..maximum: 1 to 9
// ASCII digits, then range-checked.
func intParam(rawQuery, name string, maximum int) (int, error) {
	v, ok := queryValue(rawQuery, name)
	if !ok || len(v) < 1 || len(v) > 9 {
		return 0, badParameter(name)
	}
	n := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, badParameter(name)
		}
		n = n*10 + int(c-'0')
	}
	if n > maximum {
		return 0, badParameter(name)
	}
	return n, nil
}

func reply(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h["Content-Type"] = []string{contentType}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	w.Write(body)
}

func replyString(w http.ResponseWriter, status int, contentType, body string) {
	h := w.Header()
	h["Content-Type"] = []string{contentType}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// wait sleeps ms milliseconds without using CPU; false if the client went away.
func wait(ctx context.Context, ms int) bool {
	if ms == 0 {
		return true
	}
	t := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// upstreamClient calls the delay service. The pool holds an idle keep-alive
// connection for every concurrent wait, so thousands of /upstream requests
// in flight do not open and close connections.
type upstreamClient struct {
	client *http.Client
	base   string
}

func newUpstreamClient(address string) *upstreamClient {
	transport := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        0, // no global limit
		MaxIdleConnsPerHost: 16384,
		MaxConnsPerHost:     0, // no limit
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &upstreamClient{
		client: &http.Client{Transport: transport, Timeout: (maxMS + 10000) * time.Millisecond},
		base:   "http://" + address,
	}
}

func (u *upstreamClient) get(ctx context.Context, ms int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.base+"/delay?ms="+strconv.Itoa(ms), nil)
	if err != nil {
		return nil, err
	}
	resp, err := u.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("upstream status %d", resp.StatusCode)
	}
	return body, nil
}

// arena serves the contract, plus GET /_arena/info.
type arena struct {
	upstream *upstreamClient
	info     []byte
}

func newArena(upstreamAddress string, info []byte) *arena {
	return &arena{upstream: newUpstreamClient(upstreamAddress), info: info}
}

func upstreamAddress() string {
	if a := os.Getenv("ARENA_UPSTREAM"); a != "" {
		return a
	}
	return defaultUpstream
}

var (
	helloBody    = "Hello, World!"
	jsonBody     = `{"message":"Hello, World!"}`
	notFoundBody = "Not Found"
)

func (a *arena) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if path == "/echo" && r.Method == http.MethodPost {
		a.echo(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		replyString(w, http.StatusNotFound, textPlain, notFoundBody)
		return
	}
	var err error
	switch path {
	case "/hello":
		replyString(w, http.StatusOK, textPlain, helloBody)
	case "/json":
		replyString(w, http.StatusOK, appJSON, jsonBody)
	case "/io":
		err = a.io(w, r)
	case "/cpu":
		err = a.cpu(w, r)
	case "/mixed":
		err = a.mixed(w, r)
	case "/upstream":
		err = a.upstreamCall(w, r)
	case "/_arena/info":
		reply(w, http.StatusOK, appJSON, a.info)
	default:
		replyString(w, http.StatusNotFound, textPlain, notFoundBody)
	}
	var bad badParameter
	if errors.As(err, &bad) {
		replyString(w, http.StatusBadRequest, textPlain, bad.Error())
	}
}

func (a *arena) io(w http.ResponseWriter, r *http.Request) error {
	ms, err := intParam(r.URL.RawQuery, "ms", maxMS)
	if err != nil {
		return err
	}
	if !wait(r.Context(), ms) {
		return nil
	}
	replyString(w, http.StatusOK, appJSON, `{"ms":`+strconv.Itoa(ms)+`}`)
	return nil
}

func (a *arena) cpu(w http.ResponseWriter, r *http.Request) error {
	n, err := intParam(r.URL.RawQuery, "n", maxN)
	if err != nil {
		return err
	}
	result := kernel(n)
	replyString(w, http.StatusOK, appJSON,
		`{"n":`+strconv.Itoa(n)+`,"result":`+strconv.FormatUint(uint64(result), 10)+`}`)
	return nil
}

func (a *arena) mixed(w http.ResponseWriter, r *http.Request) error {
	ms, err := intParam(r.URL.RawQuery, "ms", maxMS)
	if err != nil {
		return err
	}
	n, err := intParam(r.URL.RawQuery, "n", maxN)
	if err != nil {
		return err
	}
	if !wait(r.Context(), ms) {
		return nil
	}
	result := kernel(n)
	replyString(w, http.StatusOK, appJSON,
		`{"ms":`+strconv.Itoa(ms)+`,"n":`+strconv.Itoa(n)+`,"result":`+strconv.FormatUint(uint64(result), 10)+`}`)
	return nil
}

func (a *arena) upstreamCall(w http.ResponseWriter, r *http.Request) error {
	ms, err := intParam(r.URL.RawQuery, "ms", maxMS)
	if err != nil {
		return err
	}
	body, err := a.upstream.get(r.Context(), ms)
	if err != nil {
		replyString(w, http.StatusBadGateway, textPlain, "upstream error")
		return nil
	}
	reply(w, http.StatusOK, appJSON, body)
	return nil
}

// echo returns the request body unchanged, up to 1 MiB; larger gets 413.
// The body is read (up to one byte past the limit) before answering, so a
// client that sends everything before reading gets its response.
func (a *arena) echo(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxEchoBytes+1))
	if err != nil { // the client went away or sent a malformed body
		replyString(w, http.StatusBadRequest, textPlain, "Bad Request")
		return
	}
	if len(body) > maxEchoBytes {
		replyString(w, http.StatusRequestEntityTooLarge, textPlain, "Payload Too Large")
		return
	}
	reply(w, http.StatusOK, octetStream, body)
}
