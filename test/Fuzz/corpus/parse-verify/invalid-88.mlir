func.func @dynamic_shared_below_zero() attributes {moe.dynamic_shared_bytes = -1 : i64} {
  return
}
