# With the demo running (another terminal): the links of its message 1, as `-link` prints them ...
go run ./cmd/server -demo -link 1
# ... and the link bot: the update Telegram would post when user 1001 sends the bot the demo video
curl -s localhost:8080/telegram -H 'X-Telegram-Bot-Api-Secret-Token: 4b4bd4f62a694a3d3dff0afcd682be58096632c06f4c21ee19af00ea2d96c30e' -d '{"update_id":1,"message":{"message_id":1,"chat":{"id":1001,"type":"private"},"from":{"id":1001,"first_name":"Demo"},"video":{"file_id":"demo","file_unique_id":"demo","file_name":"testsrc.mp4","mime_type":"video/mp4","file_size":498256}}}'
