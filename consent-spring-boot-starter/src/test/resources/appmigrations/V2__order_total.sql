ALTER TABLE app_orders ADD COLUMN total_cents BIGINT;
