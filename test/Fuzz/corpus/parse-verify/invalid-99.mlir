func.func @ep_rank_type(%r: i32 {moe.ep_rank}) {
  return
}
