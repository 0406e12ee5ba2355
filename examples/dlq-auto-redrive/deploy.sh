#!/usr/bin/env bash
# Deploys the post's nightly DLQ redrive to Eddy with the AWS CLI only, as one would on AWS:
#
#   examples/dlq-auto-redrive/deploy.sh               # EventBridge rule  cron(0 21 * * ? *)  (UTC)
#   examples/dlq-auto-redrive/deploy.sh --scheduler   # EventBridge Scheduler cron(0 6 * * ? *) Asia/Seoul
#
#   1. my-dlq, and my-queue with RedrivePolicy {deadLetterTargetArn: my-dlq, maxReceiveCount: 10};
#   2. the function's role (iam/trust-policy.json) with the post's SQS policy (iam/redrive-policy.json);
#   3. function dlq-auto-redrive: redrive_loop.py packaged as lambda_function.py with its two queue URL
#      constants set to the URLs create-queue returned; python3.12, Timeout 60 (the post: "30 s or more");
#   4. the trigger, 06:00 in Seoul every day, either
#      - rule dlq-auto-redrive-nightly (cron(0 21 * * ? *), UTC) + lambda add-permission for
#        events.amazonaws.com + put-targets, or
#      - schedule dlq-auto-redrive-nightly (cron(0 6 * * ? *) in Asia/Seoul) with a role Scheduler
#        assumes to invoke the function (iam/scheduler-*.json).
#
# Environment: EDDY_URL (default http://127.0.0.1:4566), AWS_CLI (default aws), MAX_RECEIVE_COUNT
# (default 10, the post's). Region ap-northeast-2 (the post's; the IAM policies name it), credentials
# test/test unless set. Re-running updates what exists. Prints the ARNs it made; starts nothing.
set -euo pipefail
shopt -s inherit_errexit  # a failing call inside $(...) stops the script too
HERE="$(cd "$(dirname "$0")" && pwd)"

TRIGGER=rule
case "${1:-}" in
  "") ;;
  --scheduler) TRIGGER=scheduler ;;
  *) echo "usage: $0 [--scheduler]" >&2; exit 2 ;;
esac

EDDY_URL="${EDDY_URL:-http://127.0.0.1:4566}"
AWS_CLI="${AWS_CLI:-aws}"
MAX_RECEIVE_COUNT="${MAX_RECEIVE_COUNT:-10}"
export AWS_DEFAULT_REGION=ap-northeast-2
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_PAGER=""

FUNCTION=dlq-auto-redrive
ROLE=dlq-auto-redrive-role
SCHEDULER_ROLE=dlq-auto-redrive-scheduler-role
TRIGGER_NAME=dlq-auto-redrive-nightly

# The AWS CLI, pointed at Eddy.
cli() { "$AWS_CLI" --endpoint-url "$EDDY_URL" --region "$AWS_DEFAULT_REGION" --output text "$@"; }
exists() { cli "$@" >/dev/null 2>&1; }

# A role with its trust policy and one inline policy; prints the role's ARN.
role() {  # name trust-policy-file policy-name policy-file
  local arn
  arn=$(cli iam get-role --role-name "$1" --query Role.Arn 2>/dev/null) ||
    arn=$(cli iam create-role --role-name "$1" --assume-role-policy-document "file://$2" --query Role.Arn)
  cli iam put-role-policy --role-name "$1" --policy-name "$3" --policy-document "file://$4"
  echo "$arn"
}

# ---- 1. queues ----
DLQ_URL=$(cli sqs create-queue --queue-name my-dlq --query QueueUrl)
DLQ_ARN=$(cli sqs get-queue-attributes --queue-url "$DLQ_URL" --attribute-names QueueArn \
            --query Attributes.QueueArn)
REDRIVE_POLICY="{\\\"deadLetterTargetArn\\\":\\\"$DLQ_ARN\\\",\\\"maxReceiveCount\\\":\\\"$MAX_RECEIVE_COUNT\\\"}"
SQS_URL=$(cli sqs create-queue --queue-name my-queue --attributes "{\"RedrivePolicy\":\"$REDRIVE_POLICY\"}" \
            --query QueueUrl)
echo "queues: $SQS_URL -> $DLQ_URL (maxReceiveCount $MAX_RECEIVE_COUNT)"

# ---- 2. the function's role ----
ROLE_ARN=$(role "$ROLE" "$HERE/iam/trust-policy.json" dlq-redrive-sqs "$HERE/iam/redrive-policy.json")
echo "role: $ROLE_ARN"

# ---- 3. the function ----
BUILD=$(mktemp -d)
trap 'rm -rf "$BUILD"' EXIT
sed -e "s|^DLQ_URL = '.*'\$|DLQ_URL = '$DLQ_URL'|" -e "s|^SQS_URL = '.*'\$|SQS_URL = '$SQS_URL'|" \
  "$HERE/redrive_loop.py" > "$BUILD/lambda_function.py"
[[ $(grep -cE "^(DLQ_URL = '$DLQ_URL'|SQS_URL = '$SQS_URL')\$" "$BUILD/lambda_function.py") == 2 ]] ||
  { echo "redrive_loop.py must have one DLQ_URL and one SQS_URL constant" >&2; exit 1; }
(cd "$BUILD" && zip -q -X function.zip lambda_function.py)

if FUNCTION_ARN=$(cli lambda get-function --function-name "$FUNCTION" --query Configuration.FunctionArn \
                   2>/dev/null); then
  cli lambda update-function-code --function-name "$FUNCTION" --zip-file "fileb://$BUILD/function.zip" \
    >/dev/null
  cli lambda wait function-updated-v2 --function-name "$FUNCTION"
else
  FUNCTION_ARN=$(cli lambda create-function --function-name "$FUNCTION" --runtime python3.12 \
                   --handler lambda_function.lambda_handler --role "$ROLE_ARN" --timeout 60 \
                   --zip-file "fileb://$BUILD/function.zip" --query FunctionArn)
  cli lambda wait function-active-v2 --function-name "$FUNCTION"
fi
echo "function: $FUNCTION_ARN"

# ---- 4. the nightly trigger: 06:00 KST = 21:00 UTC the day before ----
if [[ $TRIGGER == rule ]]; then
  RULE_ARN=$(cli events put-rule --name "$TRIGGER_NAME" --schedule-expression "cron(0 21 * * ? *)" \
               --description "DLQ redrive, every day at 06:00 KST" --query RuleArn)
  # EventBridge may invoke the function only if its resource policy says so.
  if ! exists lambda add-permission --function-name "$FUNCTION" --statement-id "$TRIGGER_NAME" \
         --action lambda:InvokeFunction --principal events.amazonaws.com --source-arn "$RULE_ARN"; then
    cli lambda get-policy --function-name "$FUNCTION" --query Policy | grep -q "\"$TRIGGER_NAME\"" ||
      { echo "lambda add-permission failed" >&2; exit 1; }
  fi
  FAILED=$(cli events put-targets --rule "$TRIGGER_NAME" --targets "Id=redrive,Arn=$FUNCTION_ARN" \
             --query FailedEntryCount)
  [[ $FAILED == 0 ]] || { echo "events put-targets: $FAILED failed entries" >&2; exit 1; }
  echo "rule: $RULE_ARN  cron(0 21 * * ? *) -> $FUNCTION"
else
  SCHEDULER_ROLE_ARN=$(role "$SCHEDULER_ROLE" "$HERE/iam/scheduler-trust-policy.json" \
                         invoke-dlq-auto-redrive "$HERE/iam/scheduler-invoke-policy.json")
  echo "scheduler role: $SCHEDULER_ROLE_ARN"
  SCHEDULE_ARGS=(--name "$TRIGGER_NAME" --schedule-expression "cron(0 6 * * ? *)"
                 --schedule-expression-timezone Asia/Seoul --flexible-time-window Mode=OFF
                 --target "Arn=$FUNCTION_ARN,RoleArn=$SCHEDULER_ROLE_ARN"
                 --description "DLQ redrive, every day at 06:00 KST")
  if exists scheduler get-schedule --name "$TRIGGER_NAME"; then
    SCHEDULE_ARN=$(cli scheduler update-schedule "${SCHEDULE_ARGS[@]}" --query ScheduleArn)
  else
    SCHEDULE_ARN=$(cli scheduler create-schedule "${SCHEDULE_ARGS[@]}" --query ScheduleArn)
  fi
  echo "schedule: $SCHEDULE_ARN  cron(0 6 * * ? *) Asia/Seoul -> $FUNCTION"
fi
