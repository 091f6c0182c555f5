go run ./cmd/server -demo     # a demo on an embedded fake Telegram: open http://localhost:8080/
