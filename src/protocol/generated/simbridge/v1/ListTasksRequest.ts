// Original file: proto/simbridge/v1/session.proto


export interface ListTasksRequest {
}

export interface ListTasksRequest__Output {
}
