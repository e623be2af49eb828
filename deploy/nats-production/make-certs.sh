#!/usr/bin/env sh
# A private CA and a server certificate for nats-1..3, for deploy/compose.nats-production.yaml.
set -eu
cd "$(dirname "$0")"
mkdir -p certs && cd certs
openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj /CN=oo-nats-ca -keyout ca.key -out ca.pem \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
openssl req -newkey rsa:2048 -nodes -subj /CN=nats -keyout server.key -out server.csr
printf 'subjectAltName=DNS:nats-1,DNS:nats-2,DNS:nats-3\nextendedKeyUsage=serverAuth,clientAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -out server.pem -extfile server.ext
