//go:build !race

package app_test

const slowFactor = 1
