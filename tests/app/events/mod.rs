mod live;
mod webhooks;
