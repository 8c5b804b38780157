/**
 * Imported for its effect. The AWS SDK prints an 8-line Node 20
 * end-of-support notice at the first client of every process and worker
 * thread; pqbench supports Node 20 and says so once in its README. The SDK
 * documents AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED to turn it off
 * (aws-sdk-js-v3#7983) and honours only the value 'true'. Set when storage
 * loads — open.ts is loaded by every command that may make an AWS client,
 * the cloud commands' Lambda and Step Functions clients included, and before
 * any worker thread copies the environment. Only an explicit 'false' keeps
 * the notice.
 */
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED !== 'false') {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

export {};
