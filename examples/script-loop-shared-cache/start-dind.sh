#!/bin/sh
# Two build daemons for a parallel CI job, sharing one image cache.
set -eu
for n in 1 2; do
  docker run -d --name "dind-$n" --privileged \
    -v dind-cache:/var/lib/docker \
    -e DOCKER_TLS_CERTDIR=/certs \
    docker:27.3.1-dind
done
