"""The partner API (docs/integrations.md, "合作系统接口"): thin views over partners.services and selectors."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from common.throttling import PartnerThrottle

from .. import selectors, services
from ..authentication import PartnerSignatureAuthentication
from .serializers import MaterialInput, WorkOrderCreateInput, WorkOrderOutput


class PartnerApi(APIView):
    authentication_classes = [PartnerSignatureAuthentication]
    throttle_classes = [PartnerThrottle]

    @property
    def partner(self):
        return self.request.auth.partner


def _answer(ticket, status_code=status.HTTP_200_OK) -> Response:
    return Response(WorkOrderOutput(ticket).data, status=status_code)


class WorkOrderCreateApi(PartnerApi):
    @extend_schema(request=WorkOrderCreateInput, responses={201: WorkOrderOutput, 200: WorkOrderOutput})
    def post(self, request):
        data = WorkOrderCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        company = services.company_for(credit_code=fields.pop("credit_code"), name=fields.pop("company_name", ""))
        ticket, created = services.work_order_create(partner=self.partner, company=company, **fields)
        if created:
            return _answer(ticket, status.HTTP_201_CREATED)
        response = _answer(selectors.work_order_get(partner=self.partner, external_id=fields["external_id"]))
        response["Idempotent-Replayed"] = "true"
        return response


class WorkOrderApi(PartnerApi):
    @extend_schema(responses=WorkOrderOutput)
    def get(self, request, external_id: str):
        return _answer(selectors.work_order_get(partner=self.partner, external_id=external_id))


class WorkOrderByNumberApi(PartnerApi):
    @extend_schema(responses=WorkOrderOutput)
    def get(self, request, number: str):
        return _answer(selectors.work_order_get(partner=self.partner, number=number))


class WorkOrderMaterialApi(PartnerApi):
    @extend_schema(request=MaterialInput, responses=WorkOrderOutput)
    def post(self, request, external_id: str):
        ticket = selectors.work_order_get(partner=self.partner, external_id=external_id)
        data = MaterialInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.work_order_add_material(partner=self.partner, ticket=ticket, **data.validated_data)
        return _answer(selectors.work_order_get(partner=self.partner, external_id=external_id))
