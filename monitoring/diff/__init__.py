"""What a change to the inventory changes in the monitoring: two generated runs compared by family."""
