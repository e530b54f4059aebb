#!/bin/sh
# Generates the private CA and the TLS server certificate of the bundled scan service (yscd).
#
#   firmware/make-pki.sh OUTDIR
#
# Writes OUTDIR/ca.pem, ca.key, server.pem, server.key (PEM). Idempotent: existing files are
# kept as they are, so running it from `make` never invalidates a CA that clients already trust;
# a server certificate is re-issued only when it is missing or no longer verifies against the CA.
# The server certificate names 127.0.0.1, ::1, localhost and ysc.local (subjectAltName), the
# addresses the appliance uses to reach its own scan service, and 203.0.113.10, the scan
# service's address in the network lab (firmware/lab), where it runs on a host of its own.
# A certificate that lacks one of these names (made by an older version) is re-issued.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
out=$1
days_ca=3650
days_server=825   # the longest validity TLS clients commonly accept for a server certificate
san="IP:127.0.0.1,IP:::1,DNS:localhost,DNS:ysc.local,IP:203.0.113.10${PKI_EXTRA_SAN:+,$PKI_EXTRA_SAN}"

mkdir -p "$out"
umask 077

if [ ! -s "$out/ca.key" ] || [ ! -s "$out/ca.pem" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$out/ca.key" -out "$out/ca.pem" -days "$days_ca" \
        -subj "/O=Mail Security Appliance/CN=Appliance Scan Service CA" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    rm -f "$out/server.pem"   # a new CA means the old server certificate no longer chains
    echo "make-pki: created CA $out/ca.pem"
fi

if [ -s "$out/server.pem" ] && [ -s "$out/server.key" ] \
    && openssl verify -CAfile "$out/ca.pem" "$out/server.pem" >/dev/null 2>&1 \
    && openssl x509 -in "$out/server.pem" -noout -ext subjectAltName 2>/dev/null | grep -q "IP Address:203.0.113.10"; then
    echo "make-pki: $out is up to date"
    exit 0
fi

ext=$(mktemp)
csr=$(mktemp)
trap 'rm -f "$ext" "$csr"' EXIT
cat >"$ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san
EXT
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$out/server.key" -out "$csr" -subj "/O=Mail Security Appliance/CN=localhost" 2>/dev/null
openssl x509 -req -in "$csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" -CAcreateserial \
    -out "$out/server.pem" -days "$days_server" -extfile "$ext" 2>/dev/null
rm -f "$out/ca.srl"
chmod 644 "$out/ca.pem" "$out/server.pem"
echo "make-pki: issued $out/server.pem for $san"
