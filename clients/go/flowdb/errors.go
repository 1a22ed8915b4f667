package flowdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is every failure a Client call returns for an RPC: the gRPC status
// code plus the google.rpc.ErrorInfo the sidecar attaches (docs/errors.md).
// Switch on Reason (a flowdb.v1.ErrorReason name), never on Message.
//
//	var fe *flowdb.Error
//	if errors.As(err, &fe) && fe.Reason == flowdb.ReasonConditionFailed { ... }
type Error struct {
	Code    codes.Code
	Reason  string            // e.g. "ERROR_REASON_CONDITION_FAILED"; "" when the server sent none
	Message string
	// Metadata is ErrorInfo.metadata (field, limit, actual_version, oldest_seq, ...).
	Metadata map[string]string
	// RetryDelay is RetryInfo.retry_delay when the server suggested one (0 otherwise).
	RetryDelay time.Duration
	// Field is the BadRequest field violation, when present.
	Field string
	cause error
}

// Error reasons (flowdb.v1.ErrorReason names) the client code commonly checks.
const (
	ReasonInvalidArgument = "ERROR_REASON_INVALID_ARGUMENT"
	ReasonEmptyKey        = "ERROR_REASON_EMPTY_KEY"
	ReasonKeyTooLarge     = "ERROR_REASON_KEY_TOO_LARGE"
	ReasonValueTooLarge   = "ERROR_REASON_VALUE_TOO_LARGE"
	ReasonTooManyItems    = "ERROR_REASON_TOO_MANY_ITEMS"
	ReasonInvalidRange    = "ERROR_REASON_INVALID_RANGE"
	ReasonInvalidToken    = "ERROR_REASON_INVALID_TOKEN"
	ReasonConditionFailed = "ERROR_REASON_CONDITION_FAILED"
	ReasonOverloaded      = "ERROR_REASON_OVERLOADED"
	ReasonSeqCompacted    = "ERROR_REASON_SEQ_COMPACTED"
	ReasonShuttingDown    = "ERROR_REASON_SHUTTING_DOWN"
	ReasonUnauthenticated = "ERROR_REASON_UNAUTHENTICATED"
	ReasonCanceled        = "ERROR_REASON_CANCELED"
)

func (e *Error) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("flowdb: %s (%s): %s", e.Code, e.Reason, e.Message)
	}
	return fmt.Sprintf("flowdb: %s: %s", e.Code, e.Message)
}

// Unwrap returns the underlying gRPC status error.
func (e *Error) Unwrap() error { return e.cause }

// GRPCStatus lets status.FromError / status.Code see through an *Error.
func (e *Error) GRPCStatus() *status.Status {
	if s, ok := status.FromError(e.cause); ok {
		return s
	}
	return status.New(e.Code, e.Message)
}

// Retryable reports whether retrying may succeed (UNAVAILABLE, ABORTED other
// than a failed condition, or RESOURCE_EXHAUSTED with a retry delay).
func (e *Error) Retryable() bool {
	switch e.Code {
	case codes.Unavailable:
		return true
	case codes.Aborted:
		return e.Reason != ReasonConditionFailed
	case codes.ResourceExhausted:
		return e.RetryDelay > 0
	}
	return false
}

// ReasonOf returns the ErrorInfo reason of err ("" if err is not an *Error).
func ReasonOf(err error) string {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Reason
	}
	return ""
}

// CodeOf returns the gRPC code of err (codes.OK for nil, codes.Unknown for non-RPC errors).
func CodeOf(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Code
	}
	return status.Code(err)
}

// wrapErr converts a grpc-go error into an *Error (nil and io.EOF pass through).
func wrapErr(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return err
	}
	var fe *Error
	if errors.As(err, &fe) {
		return err
	}
	s, ok := status.FromError(err)
	if !ok {
		switch {
		case errors.Is(err, context.Canceled):
			s = status.New(codes.Canceled, err.Error())
		case errors.Is(err, context.DeadlineExceeded):
			s = status.New(codes.DeadlineExceeded, err.Error())
		default:
			return err
		}
	}
	e := &Error{Code: s.Code(), Message: s.Message(), Metadata: map[string]string{}, cause: err}
	for _, d := range s.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			e.Reason = d.GetReason()
			for k, v := range d.GetMetadata() {
				e.Metadata[k] = v
			}
		case *errdetails.RetryInfo:
			e.RetryDelay = d.GetRetryDelay().AsDuration()
		case *errdetails.BadRequest:
			if v := d.GetFieldViolations(); len(v) > 0 {
				e.Field = v[0].GetField()
			}
		}
	}
	if e.Field == "" {
		e.Field = e.Metadata["field"]
	}
	return e
}
