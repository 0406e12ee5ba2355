# lambda_function.py
import json
import boto3
from datetime import datetime, timedelta

# 핸들러 밖에서 초기화 - 웜 스타트 시 재사용되어 성능 향상
sqs = boto3.client('sqs')

DLQ_URL = 'http://localhost:4566/000000000000/my-dlq'
SQS_URL = 'http://localhost:4566/000000000000/my-queue'

def lambda_handler(event, context):
    yesterday = (datetime.now() - timedelta(days=1)).strftime('%Y-%m-%d')
    processed_count = 0

    while True:
        # 최대 10개씩 메시지 수신
        response = sqs.receive_message(
            QueueUrl=DLQ_URL,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=5
        )
        messages = response.get('Messages', [])

        if not messages:
            break

        for message in messages:
            # 전일자 메시지만 처리 (메시지 본문에 날짜 포함된 경우)
            if yesterday in message['Body']:
                # 원래 큐로 메시지 전송
                sqs.send_message(
                    QueueUrl=SQS_URL,
                    MessageBody=message['Body']
                )
                # DLQ에서 메시지 삭제
                sqs.delete_message(
                    QueueUrl=DLQ_URL,
                    ReceiptHandle=message['ReceiptHandle']
                )
                processed_count += 1

    return {
        'statusCode': 200,
        'body': json.dumps({'processed': processed_count})
    }
