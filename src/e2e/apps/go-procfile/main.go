// Run from source at launch (`go run`, a Procfile): a plain HTTP answer written on a TCP
// connection, so the compile at start-up stays small (net, not net/http).
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"runtime"
)

func main() {
	ln, err := net.Listen("tcp", ":"+os.Getenv("PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			continue
		}
		go func(c net.Conn) {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadString('\n')
				if err != nil || line == "\r\n" {
					break
				}
			}
			body := fmt.Sprintf("go-procfile ok go run %s\n", runtime.Version())
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
		}(c)
	}
}
