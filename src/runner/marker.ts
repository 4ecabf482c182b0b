/** Environment variable that marks every process of one run, so strays can be found and reaped. */
export const RUN_MARKER = "LABS_RUN_MARKER";
