"""The annual filing campaign (年度填报, 管理办法第三条第七款): every March each unit files its groups."""
