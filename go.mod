module github.com/filetolink/filetolink

go 1.26.0

require (
	github.com/aws/aws-lambda-go v1.55.1 // indirect
	github.com/awslabs/aws-lambda-go-api-proxy v0.16.2 // indirect
	github.com/gotd/contrib v0.25.0 // indirect
	github.com/gotd/td v0.162.0 // indirect
	github.com/kelseyhightower/envconfig v1.4.0 // indirect
	go.uber.org/goleak v1.3.0 // indirect
)
