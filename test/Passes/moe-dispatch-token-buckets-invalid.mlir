// RUN: moe-opt %s -split-input-file -moe-dispatch-token-buckets -verify-diagnostics -o /dev/null

func.func private @f(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
func.func private @f__t1(%x: tensor<?x4xf32> {moe.tokens}) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @f, min = 1, max = 1, expected = 1}} {
  return %x : tensor<?x4xf32>
}
// expected-error @below {{'func.func' op has the type '(tensor<?x8xf32>) -> tensor<?x8xf32>'; expected every bucket of @f to have the type of @f__t1, '(tensor<?x4xf32>) -> tensor<?x4xf32>'}}
func.func private @f__t2_up(%x: tensor<?x8xf32> {moe.tokens}) -> tensor<?x8xf32>
    attributes {moe.token_bucket = {of = @f, min = 2, expected = 4096}} {
  return %x : tensor<?x8xf32>
}

// -----

func.func private @g(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
// expected-error @below {{'func.func' op has no argument marked 'moe.tokens'; expected the argument whose dim 0 is T}}
func.func private @g__t1_up(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @g, min = 1, expected = 4096}} {
  return %x : tensor<?x4xf32>
}

// -----

// expected-error @below {{'func.func' op is a token bucket of @missing; expected a func.func of that name}}
func.func private @h__t1_up(%x: tensor<?x4xf32> {moe.tokens}) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @missing, min = 1, expected = 4096}} {
  return %x : tensor<?x4xf32>
}
