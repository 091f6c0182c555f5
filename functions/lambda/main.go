// Command bootstrap is the AWS Lambda entry: one function behind one
// function URL serving every route of app.Serverless. LAMBDA_INVOKE_MODE picks
// the adapter and must match the function URL's InvokeMode:
// RESPONSE_STREAM (the default, streamingHandler) or BUFFERED
// (bufferedHandler, also for API Gateway HTTP APIs).
//
// Build (runtime provided.al2023):
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -o bootstrap ./functions/lambda
//
// The service is built at init without touching Telegram; the client logs
// in on the first request and lives on in the process across warm
// invocations.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/filetolink/filetolink/pkg/app"
	"github.com/filetolink/filetolink/pkg/httpresponse"
	"github.com/filetolink/filetolink/pkg/platform"
)

func main() {
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stderr, nil)))
	// The platform is detected once, here, also when the configuration
	// has a problem: the handler then answers every request with 503
	// naming the variables, with the adapter the invoke mode asks for.
	h, profile := app.Serverless(platform.Lambda)
	if profile.Name == platform.NameLambdaBuffered {
		lambda.Start(bufferedHandler(h))
		return
	}
	lambda.Start(streamingHandler(h, httpresponse.WriteIdleTimeout))
}

// deadlineMargin is kept between the end of a request and the end of its
// invocation, so that a request Telegram holds up still gets its answer
// (a 504) out before Lambda stops the function.
const deadlineMargin = time.Second

// requestContext is the context of the request an invocation carries: the
// invocation's deadline less deadlineMargin (less a tenth of what is left
// when that is short).
func requestContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	margin := min(deadlineMargin, time.Until(deadline)/10)
	return context.WithDeadline(ctx, deadline.Add(-margin))
}
