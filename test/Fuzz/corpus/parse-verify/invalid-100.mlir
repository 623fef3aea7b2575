func.func @ep_rank_name(%r: index {moe.rank}) {
  return
}
