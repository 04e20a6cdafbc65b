// The web command of a module with several commands; its version comes from -ldflags -X.
package main

import (
	"fmt"
	"net/http"
	"os"
)

var version = "dev"

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "go-cmds web ok version=%s\n", version)
	})
	if err := http.ListenAndServe(":"+os.Getenv("PORT"), nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
