# The Lambda build under AWS's runtime interface emulator, against the demo's fake Telegram.
# Ports 9001 and 9002 (the demo keeps 8080); everything built goes to a temporary folder.
go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d
tmp=$(mktemp -d) && trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
go build -o "$tmp/server" ./cmd/server
GOOS=linux CGO_ENABLED=0 go build -tags lambda.norpc -o "$tmp/bootstrap" ./functions/lambda
"$tmp/server" -demo -print-env > "$tmp/fake.env" &   # the fake Telegram alone: TG_DC_LIST, API_ID, ... for the function
until grep -q LOG_CHANNEL_ID "$tmp/fake.env"; do sleep 1; done
env $(cat "$tmp/fake.env") AWS_LAMBDA_FUNCTION_NAME=filetolink "$(go env GOPATH)/bin/aws-lambda-rie" \
  --runtime-interface-emulator-address 127.0.0.1:9001 --runtime-api-address 127.0.0.1:9002 "$tmp/bootstrap" &
# A function-URL event: GET /dl/1?code=demo-video, Range: bytes=0-15 (the demo video's first 16 bytes)
curl -sS --retry 20 --retry-connrefused --retry-delay 1 --output - \
  127.0.0.1:9001/2015-03-31/functions/function/invocations -d @functions/lambda/testdata/function-url-event.json
