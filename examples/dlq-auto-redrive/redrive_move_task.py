import boto3

sqs = boto3.client('sqs')

def lambda_handler(event, context):
    response = sqs.start_message_move_task(
        SourceArn='arn:aws:sqs:ap-northeast-2:000000000000:my-api-dlq',
        # DestinationArn 생략 시 원래 소스 큐로 이동
        # DestinationArn='arn:aws:sqs:...:other-queue',  # 다른 큐로 보낼 때
        MaxNumberOfMessagesPerSecond=100
    )

    return {
        'statusCode': 200,
        'taskHandle': response['TaskHandle']
    }
