package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSlowAndIdleClientsAreCut: a client that trickles its body is cut off
// at the read timeout, and an idle keep-alive connection is closed at the
// idle timeout; neither holds its connection on.
func TestSlowAndIdleClientsAreCut(t *testing.T) {
	cfg := Config{HTTPReadTimeout: 300 * time.Millisecond, HTTPWriteTimeout: time.Second, HTTPIdleTimeout: 300 * time.Millisecond}
	srv := newHTTPServer(cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	// closedWithin reads conn until it closes, failing after limit.
	closedWithin := func(conn net.Conn, limit time.Duration) time.Duration {
		start := time.Now()
		_ = conn.SetReadDeadline(time.Now().Add(limit))
		_, err := io.Copy(io.Discard, conn)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("connection still open after %v", limit)
		}
		return time.Since(start)
	}

	slow, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprintf(slow, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n")
	go func() {
		for range 20 {
			if _, err := slow.Write([]byte(strings.Repeat("a", 64))); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	if took := closedWithin(slow, 3*time.Second); took > 2*time.Second {
		t.Errorf("a trickling body held its connection %v", took)
	}

	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	fmt.Fprintf(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	closedWithin(idle, 3*time.Second)
}
