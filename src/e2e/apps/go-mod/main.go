// A Go web app with one module dependency, fetched through the module proxy at build time.
package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/gorilla/mux"
)

func main() {
	r := mux.NewRouter()
	r.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "go-mod ok router=gorilla/mux")
	})
	r.HandleFunc("/hello/{name}", func(w http.ResponseWriter, req *http.Request) {
		fmt.Fprintf(w, "hello %s\n", mux.Vars(req)["name"])
	})
	if err := http.ListenAndServe(":"+os.Getenv("PORT"), r); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
