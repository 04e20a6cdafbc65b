// A second command of the module: not built when BP_GO_TARGETS names only ./cmd/web.
package main

import "fmt"

func main() { fmt.Println("worker") }
