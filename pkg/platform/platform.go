// Package platform decides everything about the deployment this process is
// (plain server, Vercel, Lambda streaming, Lambda buffered): what it allows
// a response to be (Profile), where it is reachable (the base URL's
// variables and their precedence, Vars), which proxy is in front and where
// that proxy puts the client's address. Package config reads every
// variable into Env and decides nothing about the deployment; this package
// reads no variable. It also owns the grammar of a host[:port] and of a
// public base URL.
//
// # Response caps
//
// Every serverless platform here buffers or meters a response, so one
// response body has a cap; an open-ended or larger range is answered with a
// slice of at most the cap (see package web). The caps, and how they follow
// from the platforms' limits:
//
//   - Vercel, classic functions ("vercel"): the Go runtime buffers the whole response and
//     base64-encodes it into a Lambda payload; Vercel refuses bodies over
//     4.5 MB (VercelBodyLimit). Default cap 4 MiB; MAX_RESPONSE_BYTES may
//     raise it to VercelMaxResponseBytes: the 4.5 MB less a reserve for the
//     headers (EnvelopeReserve), as Vercel does not say whether they count.
//   - Lambda, BUFFERED function URL or API Gateway HTTP API
//     ("lambda-buffered"): the response is one JSON document of at most
//     LambdaPayloadLimit bytes (6 MiB + 100, the runtime's limit). A binary
//     body travels base64-encoded, 4 bytes for every 3, and the headers and
//     JSON fields need room too, so the body may be at most
//     (LambdaPayloadLimit − EnvelopeReserve) × 3/4, rounded down to 1 KiB:
//     LambdaBufferedMaxResponseBytes = 4,669,440 bytes (4560 KiB). That is
//     both the default and the hard limit. (The Lambda entry always sends a
//     body base64-encoded: JSON escaping of a body that happens to be valid
//     UTF-8 could grow it up to 6 times.)
//   - Vercel, the Go server preset ("vercel (streaming)"): the plain server
//     (cmd/server) built as one streaming function (vercel.streaming.json).
//     Streaming responses have no size limit: no cap unless
//     MAX_RESPONSE_BYTES sets one. The function's max duration ends a long
//     response like a network interruption; the client resumes with Range.
//   - Lambda, RESPONSE_STREAM function URL ("lambda-stream"): Lambda streams
//     the first 6 MB at full speed and the rest at ≤ 2 MB/s, up to
//     LambdaStreamLimit (200 MB) per response. The cap is
//     LambdaStreamMaxResponseBytes, that limit less the reserve for the
//     prelude that carries status and headers: whole files and open ranges
//     up to it come back whole. MAX_RESPONSE_BYTES may lower it.
//   - Plain server ("server"): no cap unless MAX_RESPONSE_BYTES sets one.
//
// # Request deadlines
//
// Lambda gives each invocation a deadline, which the Lambda entry passes
// into the request. Vercel's Go runtime gives none, so the "vercel" profile
// has a RequestTimeout: VERCEL_REQUEST_TIMEOUT, default 280 s, a margin under the
// 300 s that Hobby projects allow. Set it a little under the function's
// maxDuration on plans that allow more. The classic functions must answer
// before the platform stops them, as their answer leaves only when whole.
// The streaming preset has no RequestTimeout unless VERCEL_REQUEST_TIMEOUT
// is set: its request ends with the connection Vercel's proxy holds, and a
// deadline after the status cuts the response (short of its
// Content-Length, the connection closed), never a short 200.
package platform

import "time"

// Profile is what one deployment allows a response to be.
type Profile struct {
	// Name: "server", "vercel", "vercel (streaming)", "lambda-stream" or
	// "lambda-buffered"; logs and the status page show it.
	Name string
	// MaxResponseBytes caps one response body; 0 means unlimited.
	MaxResponseBytes int64
	// RequestTimeout bounds one request when the platform gives no deadline; 0 means none.
	RequestTimeout time.Duration
}

// Profile names.
const (
	NameServer         = "server"
	NameVercel         = "vercel"
	NameVercelStream   = "vercel (streaming)"
	NameLambdaStream   = "lambda-stream"
	NameLambdaBuffered = "lambda-buffered"
)

// The platforms' own limits.
const (
	// LambdaPayloadLimit is the largest response Lambda accepts from a
	// buffered invocation: 6 MiB + 100 bytes.
	LambdaPayloadLimit = 6<<20 + 100
	// LambdaStreamLimit is the most a streamed response may carry: 200 MB.
	LambdaStreamLimit = 200_000_000
	// VercelBodyLimit is the largest response body Vercel functions send: 4.5 MB.
	VercelBodyLimit = 4_500_000
	// EnvelopeReserve is kept free of body bytes for the status, the
	// headers (a long UTF-8 file name appears twice in Content-Disposition)
	// and the JSON around them.
	EnvelopeReserve = 64 << 10
)

// The caps this package derives from those limits.
const (
	// LambdaBufferedMaxResponseBytes is the largest body whose base64 form
	// and envelope fit in LambdaPayloadLimit: default and hard limit of
	// "lambda-buffered".
	LambdaBufferedMaxResponseBytes = (LambdaPayloadLimit - EnvelopeReserve) / 4 * 3 / 1024 * 1024
	// LambdaStreamMaxResponseBytes is the default cap and hard limit of
	// "lambda-stream".
	LambdaStreamMaxResponseBytes = (LambdaStreamLimit - EnvelopeReserve) / 1024 * 1024
	// VercelDefaultResponseBytes is the default cap of "vercel".
	VercelDefaultResponseBytes = 4 << 20
	// VercelMaxResponseBytes is the hard limit of "vercel".
	VercelMaxResponseBytes = (VercelBodyLimit - EnvelopeReserve) / 1024 * 1024
	// VercelDefaultRequestTimeout is the default RequestTimeout of "vercel".
	VercelDefaultRequestTimeout = 280 * time.Second
)

// Env is what package config read of the platform's variables: parsed
// and checked, so nothing here reads the environment or fails.
type Env struct {
	// Vercel: VERCEL=1.
	Vercel bool
	// Runtime is the entry point's platform (see On); Unknown for the plain
	// server, which on Vercel is the Go server preset.
	Runtime Runtime
	// VercelRequestTimeout is VERCEL_REQUEST_TIMEOUT; 0 means
	// VercelDefaultRequestTimeout.
	VercelRequestTimeout time.Duration
	// Lambda: AWS_LAMBDA_FUNCTION_NAME is set.
	Lambda bool
	// LambdaBuffered: LAMBDA_INVOKE_MODE=BUFFERED (else RESPONSE_STREAM).
	LambdaBuffered bool
	// MaxResponseBytes is MAX_RESPONSE_BYTES; 0 means the platform's default.
	MaxResponseBytes int64
	// PublicBaseURL is the canonical "scheme://host[:port]" from the first
	// base-URL variable set (see ParseBaseURL), or "": links then come from
	// the request.
	PublicBaseURL string
	// Proxy is the proxy in front, as the variables of Vars tell.
	Proxy Proxy
	// ClientIPHeader is the header in which the proxy in front puts the
	// client's address (one of ClientIPHeaders): CLIENT_IP_HEADER, else
	// Proxy.ClientIPHeader(); "": the peer address.
	ClientIPHeader string
}

// Serverless reports whether p is a serverless platform's (Vercel or
// Lambda), where instances start cold and many at once.
func (p Profile) Serverless() bool { return p.Name != NameServer }

// Detect decides the profile:
//
//   - Vercel's classic functions (Runtime Vercel): "vercel", cap 4 MiB,
//     RequestTimeout VercelRequestTimeout or 280 s (Vercel runs on Lambda:
//     its Lambda variables do not count);
//   - Vercel, any other process (the plain server as Vercel's Go server
//     preset): "vercel (streaming)", no cap, RequestTimeout
//     VercelRequestTimeout if set, else none;
//   - Lambda: "lambda-buffered" (cap 4560 KiB) if LambdaBuffered, else
//     "lambda-stream" (cap LambdaStreamMaxResponseBytes, about 200 MB);
//   - otherwise "server", unlimited.
//
// MaxResponseBytes, if not 0, replaces the cap, clamped to the platform's
// hard limit.
func Detect(e Env) Profile {
	var p Profile
	hardLimit := int64(0) // 0: none
	switch {
	case e.Vercel && e.Runtime != Vercel:
		p = Profile{Name: NameVercelStream, RequestTimeout: e.VercelRequestTimeout}
	case e.Vercel:
		p = Profile{Name: NameVercel, MaxResponseBytes: VercelDefaultResponseBytes, RequestTimeout: VercelDefaultRequestTimeout}
		hardLimit = VercelMaxResponseBytes
		if e.VercelRequestTimeout > 0 {
			p.RequestTimeout = e.VercelRequestTimeout
		}
	case e.Lambda && e.LambdaBuffered:
		p = Profile{Name: NameLambdaBuffered, MaxResponseBytes: LambdaBufferedMaxResponseBytes}
		hardLimit = LambdaBufferedMaxResponseBytes
	case e.Lambda:
		p = Profile{Name: NameLambdaStream, MaxResponseBytes: LambdaStreamMaxResponseBytes}
		hardLimit = LambdaStreamMaxResponseBytes
	default:
		p = Profile{Name: NameServer}
	}
	if n := e.MaxResponseBytes; n > 0 {
		p.MaxResponseBytes = n
		if hardLimit > 0 && n > hardLimit {
			p.MaxResponseBytes = hardLimit
		}
	}
	return p
}
