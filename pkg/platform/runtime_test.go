package platform

import (
	"testing"
	"time"
)

// TestOn: an entry point that names its platform gets that platform's
// profile whatever the environment exposes: a Vercel function in a project
// that does not expose VERCEL=1 still gets Vercel's profile, never
// "lambda-stream" with 6 MiB slices that Vercel refuses.
func TestOn(t *testing.T) {
	vercel := Profile{Name: NameVercel, MaxResponseBytes: VercelDefaultResponseBytes, RequestTimeout: VercelDefaultRequestTimeout}
	vercelStream := Profile{Name: NameVercelStream}
	tests := []struct {
		name string
		rt   Runtime
		env  Env
		want Profile
	}{
		{"vercel without VERCEL=1, on Vercel's Lambda", Vercel, Env{Lambda: true}, vercel},
		{"vercel with nothing set", Vercel, Env{}, vercel},
		{"vercel keeps its variables", Vercel, Env{VercelRequestTimeout: 9 * time.Second, MaxResponseBytes: 1024},
			Profile{Name: NameVercel, MaxResponseBytes: 1024, RequestTimeout: 9 * time.Second}},
		{"lambda without its variable", Lambda, Env{}, Profile{Name: NameLambdaStream, MaxResponseBytes: LambdaStreamMaxResponseBytes}},
		{"lambda ignores VERCEL", Lambda, Env{Vercel: true, LambdaBuffered: true}, Profile{Name: NameLambdaBuffered, MaxResponseBytes: LambdaBufferedMaxResponseBytes}},
		{"unknown is what the variables say: the server preset on Vercel", Unknown, Env{Vercel: true}, vercelStream},
		{"unknown on Vercel's Lambda", Unknown, Env{Vercel: true, Lambda: true}, vercelStream},
		{"unknown without variables is the server", Unknown, Env{}, Profile{Name: NameServer}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect(tt.env.On(tt.rt)); got != tt.want {
				t.Errorf("Detect(On) = %+v, want %+v", got, tt.want)
			}
		})
	}
}
