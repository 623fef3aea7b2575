func.func private @ep_rank_declaration(%r: i32 {moe.ep_rank})
