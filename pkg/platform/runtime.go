package platform

// Runtime is what an entry point knows about the platform it runs on.
type Runtime int

const (
	// Unknown: the platform is read from the environment (the plain
	// server, which may also run where VERCEL=1 or a Lambda is set).
	Unknown Runtime = iota
	// Vercel: the functions/ handlers, which only Vercel's Go runtime
	// runs. VERCEL=1 is exposed only if the project exposes system
	// environment variables, so it cannot be what decides.
	Vercel
	// Lambda: the functions/lambda entry; LAMBDA_INVOKE_MODE picks streaming
	// or buffered.
	Lambda
)
