"""Personalization: the serving service, training through the promotion gate, and federated training."""

from app.personalization.service import PersonalizationService, Recommendation, Recommendations

__all__ = ["PersonalizationService", "Recommendation", "Recommendations"]
