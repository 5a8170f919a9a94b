export declare const RUN_ENV: 'PEER_PLAN_TEST_RUN'
export declare const currentRun: () => string
