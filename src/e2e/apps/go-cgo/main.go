// A Go web app with cgo: C code of its own and zlib from the build image (zlib1g-dev), linked
// dynamically; the run image's zlib1g answers at run time.
package main

/*
#cgo LDFLAGS: -lz
#include <zlib.h>

static int twice(int n) { return 2 * n; }
*/
import "C"

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "go-cgo ok twice=%d zlib=%s\n", int(C.twice(21)), C.GoString(C.zlibVersion()))
	})
	if err := http.ListenAndServe(":"+os.Getenv("PORT"), nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
