# One image for every gitops-actions action: the binary and git, nothing else.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /gitops-actions .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /gitops-actions /usr/local/bin/gitops-actions
ENTRYPOINT ["/usr/local/bin/gitops-actions"]
