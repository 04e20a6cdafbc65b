// A Go web server on the net package alone (no net/http, so little to compile for each
// architecture): the multi-platform e2e builds it for linux/amd64 and linux/arm64.
package main

import (
	"net"
	"os"
	"runtime"
	"strconv"
)

func main() {
	l, err := net.Listen("tcp", ":"+os.Getenv("PORT"))
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	body := "go-tiny ok " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	for {
		c, err := l.Accept()
		if err != nil {
			continue
		}
		go func(c net.Conn) {
			defer c.Close()
			buf := make([]byte, 4096)
			c.Read(buf) // one request line and headers; this server answers every request alike
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body))
		}(c)
	}
}
