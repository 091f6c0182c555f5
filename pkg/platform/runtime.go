package platform

// Runtime is what an entry point knows about the platform it runs on.
type Runtime int

const (
	// Unknown: the platform is what the variables say (the plain server,
	// which may also run where VERCEL=1 or a Lambda variable is set; with
	// VERCEL=1 it is Vercel's Go server preset, a streaming function).
	Unknown Runtime = iota
	// Vercel: the functions/ handlers, which only Vercel's Go runtime
	// runs. VERCEL=1 is exposed only if the project exposes system
	// environment variables, so it cannot be what decides.
	Vercel
	// Lambda: the functions/lambda entry; LAMBDA_INVOKE_MODE picks streaming
	// or buffered.
	Lambda
)

// On is e as seen by an entry point that knows its platform: Vercel is
// Vercel whether or not VERCEL=1 is exposed (its functions run on Lambda:
// the Lambda variables do not count), Lambda is Lambda whatever VERCEL
// says; Unknown leaves e as the variables made it.
func (e Env) On(rt Runtime) Env {
	e.Runtime = rt
	switch rt {
	case Vercel:
		e.Vercel = true
	case Lambda:
		e.Vercel, e.Lambda = false, true
	}
	return e
}
