package platform

import (
	"testing"
	"time"
)

// TestDetectOn: an entry point that names its platform gets that
// platform's profile whatever the environment exposes (the Vercel functions
// used to fall into "lambda-stream", 6 MiB slices that Vercel refuses,
// when a project did not expose VERCEL=1).
func TestDetectOn(t *testing.T) {
	vercel := Profile{Name: NameVercel, MaxResponseBytes: VercelDefaultResponseBytes, RequestTimeout: VercelDefaultRequestTimeout}
	tests := []struct {
		name string
		rt   Runtime
		env  map[string]string
		want Profile
	}{
		{"vercel without VERCEL=1, on Vercel's Lambda", Vercel, map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "fn"}, vercel},
		{"vercel with nothing set", Vercel, nil, vercel},
		{"vercel keeps its variables", Vercel, map[string]string{"VERCEL_REQUEST_TIMEOUT": "9s", "MAX_RESPONSE_BYTES": "1024"},
			Profile{Name: NameVercel, MaxResponseBytes: 1024, RequestTimeout: 9 * time.Second}},
		{"lambda without its variable", Lambda, nil, Profile{Name: NameLambdaStream, MaxResponseBytes: LambdaStreamDefaultResponseBytes}},
		{"lambda ignores VERCEL", Lambda, map[string]string{"VERCEL": "1", "LAMBDA_INVOKE_MODE": "BUFFERED"}, Profile{Name: NameLambdaBuffered, MaxResponseBytes: LambdaBufferedMaxResponseBytes}},
		{"unknown reads the environment", Unknown, map[string]string{"VERCEL": "1"}, vercel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DetectOn(tt.rt, env(tt.env))
			if err != nil || got != tt.want {
				t.Errorf("DetectOn = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
