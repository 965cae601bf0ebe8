// The suites run each framework major through an aliased install; their types are the
// current major's, which is what the tests need (the adapters type only Node's req/res).
declare module 'express4' {
  import express from 'express';
  export default express;
}
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
