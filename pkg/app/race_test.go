//go:build race

package app_test

// The race detector slows the client's key exchanges and encryption several
// times over; bounds on how long recovery may take grow with it.
const slowFactor = 3
