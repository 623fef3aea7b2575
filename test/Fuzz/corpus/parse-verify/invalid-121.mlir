func.func @plan_shared_slices() attributes {plan = #moe.gemm_plan<block_n = 64, waves_n = 4, slices = 2, group = 2, row_group = 2, loads = shared_tiles, stages = 3>} {
  return
}
