// Original file: proto/simbridge/v1/session.proto


export interface StatusRequest {
}

export interface StatusRequest__Output {
}
