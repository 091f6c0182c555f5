//go:build nodemo

package main

// Built with -tags nodemo (the Dockerfile does): no embedded fake Telegram,
// so the binary links neither gotd's tgtest nor package testing. -demo and
// -demo -print-env then say how to get them.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/filetolink/filetolink/pkg/web"
)

var errNoDemo = errors.New("this server was built with -tags nodemo, without the embedded fake Telegram: build it without that tag to run -demo")

// demoTelegram is never made in this build; its methods exist for main.
type demoTelegram struct{}

func startDemo(context.Context, bool) (*demoTelegram, error) { return nil, errNoDemo }

func runFakeTelegram(_ context.Context, _ bool, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "fake Telegram:", errNoDemo)
	return 1
}

func (*demoTelegram) Close()                              {}
func (*demoTelegram) samples() []web.Sample               { return nil }
func (*demoTelegram) wrap(next http.Handler) http.Handler { return next }
func (*demoTelegram) printLinks(io.Writer, string)        {}
func (*demoTelegram) printBot(io.Writer, string, string)  {}
