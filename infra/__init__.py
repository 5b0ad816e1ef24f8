"""Infrastructure: the shared CloudFormation template, the local stack and the `portal` CLI."""
