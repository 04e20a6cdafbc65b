// Package greet is a module that exists only in this app's vendor/ directory: the build must not
// try to download it.
package greet

func Hello() string { return "vendored hello" }
