// paketo's Go example: an HTTP server on $PORT with one module dependency (a router).
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"runtime"

	"github.com/gorilla/mux"
)

// revision is what the benchmarks change for a one-line edit (they append an init func setting it).
var revision = "0"

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	r := mux.NewRouter()
	r.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "Hello from paketo: Go %s, gorilla/mux, revision %s\n", runtime.Version(), revision)
	})
	r.HandleFunc("/hello/{name}", func(w http.ResponseWriter, req *http.Request) {
		fmt.Fprintf(w, "hello %s\n", mux.Vars(req)["name"])
	})
	log.Printf("listening on %s", port)
	log.Fatal(http.ListenAndServe(":"+port, r))
}
