module github.com/cloudtap/cloudtap

go 1.26.8

require (
	github.com/gomodule/redigo v1.9.3
	github.com/gopacket/gopacket v1.7.7
	github.com/mna/redisc v1.4.0
	github.com/stretchr/testify v1.12.1
	golang.org/x/net v0.55.0
)

require (
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
