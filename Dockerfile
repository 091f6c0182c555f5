# Multi-stage build: a static binary on a distroless, non-root base, without
# the demo (-tags nodemo: no embedded fake Telegram, no test code linked).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The version shown on / and /healthz: docker build --build-arg VERSION=$(git describe --always --dirty)
ARG VERSION=
RUN CGO_ENABLED=0 go build -tags nodemo -trimpath -ldflags "-s -w -X github.com/filetolink/filetolink/pkg/app.Version=${VERSION}" -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /server
USER nonroot:nonroot
ENV PORT=8080
EXPOSE 8080
ENTRYPOINT ["/server"]
