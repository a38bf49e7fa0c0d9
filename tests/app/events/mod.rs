mod live;
mod retention;
mod webhooks;
